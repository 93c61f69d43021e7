"""The export stage: the game's static JSON data and chain SVGs, one folder per ruleset.

``mcg export --snapshot S --ruleset R`` (or the stage function in
``mcg_lib.export.stage``) reads the graph and the precomputed answers and
publishes ``exports/<snapshot>/data/<ruleset>/``; ``mcg_lib.export.layout``
lists its files.
"""
