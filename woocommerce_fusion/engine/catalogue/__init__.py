"""The catalogue going out to the shops: Items as products and variations, their stock and prices.

Pure like the rest of the engine: it reads ERPNext through a port and writes the shop through the
client, so the same code runs against the test shop and the in-memory ERP in CI.
"""
