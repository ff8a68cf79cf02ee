"""What the library does for a citizen beyond one answer: hand-offs to librarians (tickets), the outbox and its
limits, reminders from the library system's notices, event subscriptions, opening hours, campaigns, teaching the
knowledge base, and the insight reports. Each keeps its data through bot.storage."""
