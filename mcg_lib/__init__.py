"""mcg: the Music-Credit Graph.

Turns one month of Discogs XML dumps into a Parquet catalog, quality reports,
credit graphs per ruleset, precomputed connection answers and a static game site.
"""

__version__ = "0.1.0"
