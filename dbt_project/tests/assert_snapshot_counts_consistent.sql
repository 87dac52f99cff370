-- The counts read from one accepted file nest inside each other: a part never exceeds its whole
-- (rectified or paired organisations within those listed, towns with an instructor within the
-- county's towns, projects by status within all projects, cadres by source within all cadres).
with

snapshot_measures as (

    select * from {{ ref('int_snapshot_measures') }}

),

final as (

    select *
    from snapshot_measures
    where
        weak_orgs_rectified > weak_orgs_listed
        or weak_orgs_paired > weak_orgs_listed
        or towns_with_instructor > towns_in_reference
        or outreach_dialect_events > outreach_events
        or projects_under_construction > projects_total
        or temp_party_orgs > projects_total
        or reserve_cadres_veteran + reserve_cadres_graduate + reserve_cadres_entrepreneur
        > reserve_cadres

)

select * from final
