from bot.context import Context
from bot.conversation import MemoryConversations
from bot.core import handle
from bot.model import Channel, Message
from tests.conftest import MOMENT


def test_renew_question_answers_renew(brain, config):
    ctx = Context(brain=brain, config=config, now=MOMENT, conversations=MemoryConversations())
    reply = handle(Message("hvordan fornyer jeg mine laan", "+4512345678", Channel.CONSOLE, MOMENT), ctx)
    assert reply.entry == "renew"
    assert reply.lang == "da"
