"""Background jobs: thin entry points that build a client and settings and call the engine.

The bookkeeping every run shares (claiming, fan-in, aborting, the shop's cursor) lives with
the queue, in the WooCommerce Sync Action controller.
"""
