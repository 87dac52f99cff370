-- A case mediated to agreement in the period is also closed in it: any unit and period with more
-- agreements than closed cases points at broken case logic.
select
    period,
    county_code,
    disputes_agreement,
    disputes_closed
from {{ ref('fct_indicators_wide') }}
where disputes_agreement > disputes_closed
