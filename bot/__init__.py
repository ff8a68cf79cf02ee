"""bibliobot: the SMS and Telegram assistant of Copenhagen's public libraries."""
