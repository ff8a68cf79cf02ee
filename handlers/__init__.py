"""One module per kind of conversation. Handlers take a Message and a Context and return a Reply."""
