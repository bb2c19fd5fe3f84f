"""The stages of a study, one concept each: generate, plan, candidates, complexes, structures, comparisons.

Their order, and the store and report steps between them, are :data:`pipelines.study.STAGES`.
"""
