-- The case counts of one county and period nest inside each other: agreements are mediated
-- cases, mediated cases are closed ones, this month's cases are among this year's, and the
-- warnings by category are among those reported. A breach points at broken as-of-period logic.
with

case_measures as (

    select * from {{ ref('int_case_measures') }}

),

final as (

    select *
    from case_measures
    where
        disputes_agreement > disputes_mediated
        or disputes_mediated > disputes_closed
        or disputes_received > disputes_received_ytd
        or disputes_elders_studio > disputes_received
        or warnings_village_election + warnings_epidemic > warnings_reported
        or least(
            disputes_received,
            disputes_received_ytd,
            disputes_closed,
            warnings_reported,
            warnings_resolved,
            warnings_open
        ) < 0

)

select * from final
