"""Enterprise self-service sign-in and credit repair (信用修复, rules.md §5): ``rules`` (pure
eligibility and review states), ``auth`` (enterprise sessions), ``service`` (applications,
evidence, review, effects of an approval), ``pages`` (routes)."""
