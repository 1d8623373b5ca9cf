"""The coverage threshold: the share of a model's weight a book must carry to be scored without --allow-partial.

references/methodology.md, "Coverage". Not a section of the methodology file (a
team's config does not move it; a run that knows better says --allow-partial).
"""

# Ours (issue 25): below 70% of a model's weight the scores rank accounts on a different
# model than the one the docs describe (a CRM export read without its map carried 52.8% of
# health, and the red count nearly doubled). 70% keeps one missing dimension of four just
# under the line only when it weighs more than 30%.
MIN_COVERAGE = 0.70

# The expansion opportunity kinds (references/methodology.md, "Expansion") and the fields
# each reads; each kind weighs a quarter of the expansion model, its fields equally.
EXPANSION_KINDS = (
    ("seat_expansion", ("contract.licensed_seats", "contract.active_seats")),
    ("tier_upgrade", ("contract.plan_tier", "contract.available_tiers")),
    ("module_cross_sell", ("product_usage",)),
    ("department_expansion", ("departments.current", "departments.potential")),
)
