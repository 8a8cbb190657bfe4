"""Background jobs: thin entry points that build a client and settings and call the engine.

The bookkeeping every run shares (claiming, fan-in, aborting, the shop's cursor) lives in
woocommerce_fusion/runs/, which these jobs call and which never names them: hooks.py maps each
sync type to its runner here.
"""
