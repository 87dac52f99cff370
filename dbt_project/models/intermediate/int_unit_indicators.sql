-- Every indicator of indicators.md for every period and reporting unit (ten counties and the
-- city), one column per indicator key. The city sums the parts of the counties that submitted
-- the form and recomputes its rates from those sums; a zero denominator gives a missing rate.
with

periods as (

    select * from {{ ref('int_periods') }}

),

counties as (

    select * from {{ ref('ref_counties') }}

),

form_submissions as (

    select * from {{ ref('int_form_submissions') }}

),

snapshot_measures as (

    select * from {{ ref('int_snapshot_measures') }}

),

case_measures as (

    select * from {{ ref('int_case_measures') }}

),

form_counts as (

    select
        period,
        county_code,
        count(submission_id) as forms_submitted,
        count(submission_id) filter (where is_on_time) as forms_on_time
    from form_submissions
    group by period, county_code

),

county_parts as (

    select
        periods.period,
        periods.prev_year,
        counties.county_code,
        snapshot_measures.* exclude (period, county_code),  -- noqa: RF02
        case_measures.* exclude (period, county_code),  -- noqa: RF02
        coalesce(form_counts.forms_submitted, 0) as forms_submitted,
        coalesce(form_counts.forms_on_time, 0) as forms_on_time
    from periods
    cross join counties
    left join snapshot_measures
        on
            periods.period = snapshot_measures.period
            and counties.county_code = snapshot_measures.county_code
    left join case_measures
        on
            periods.period = case_measures.period
            and counties.county_code = case_measures.county_code
    left join form_counts
        on
            periods.period = form_counts.period
            and counties.county_code = form_counts.county_code

),

city_parts as (

    -- sum() skips the nulls of counties without the form, so the city adds up the counties that
    -- submitted it, and stays missing when none did
    select
        period,
        prev_year,
        '{{ city_code() }}' as county_code,
        sum(columns(* exclude (period, prev_year, county_code)))
    from county_parts
    group by period, prev_year

),

unit_parts as (

    select * from county_parts
    union all by name
    select * from city_parts

),

with_year_ago as (

    select
        unit_parts.*,
        year_ago.disputes_received as disputes_received_year_ago
    from unit_parts
    left join unit_parts as year_ago
        on
            unit_parts.prev_year = year_ago.period
            and unit_parts.county_code = year_ago.county_code

),

final as (

    select
        period,
        county_code,
        cast(instructors_full_time as bigint) as instructors_full_time,
        cast(instructors_part_time as bigint) as instructors_part_time,
        cast(instructors_retired_cadre as bigint) as instructors_retired_cadre,
        cast(towns_with_instructor as bigint) as towns_with_instructor,
        towns_with_instructor / nullif(towns_in_reference, 0) as town_coverage_rate,
        cast(orgs_covered as bigint) as orgs_covered,
        cast(weak_orgs_listed as bigint) as weak_orgs_listed,
        cast(weak_orgs_rectified as bigint) as weak_orgs_rectified,
        cast(weak_orgs_rectified_in_period as bigint) as weak_orgs_rectified_in_period,
        weak_orgs_rectified / nullif(weak_orgs_listed, 0) as weak_orgs_rectification_rate,
        cast(weak_orgs_paired as bigint) as weak_orgs_paired,
        cast(disputes_received as bigint) as disputes_received,
        cast(disputes_received_ytd as bigint) as disputes_received_ytd,
        (disputes_received - disputes_received_year_ago)
        / nullif(disputes_received_year_ago, 0) as disputes_received_yoy,
        cast(disputes_closed as bigint) as disputes_closed,
        cast(disputes_agreement as bigint) as disputes_agreement,
        disputes_agreement / nullif(disputes_mediated, 0) as mediation_success_rate,
        cast(disputes_elders_studio as bigint) as disputes_elders_studio,
        cast(outreach_events as bigint) as outreach_events,
        cast(outreach_audience as bigint) as outreach_audience,
        cast(outreach_dialect_events as bigint) as outreach_dialect_events,
        cast(projects_total as bigint) as projects_total,
        cast(projects_under_construction as bigint) as projects_under_construction,
        cast(temp_party_orgs as bigint) as temp_party_orgs,
        cast(project_party_members as bigint) as project_party_members,
        cast(commando_teams as bigint) as commando_teams,
        cast(responsibility_zones as bigint) as responsibility_zones,
        cast(investment_to_date as decimal(18, 2)) as investment_to_date,
        cast(reserve_cadres as bigint) as reserve_cadres,
        cast(reserve_cadres_veteran as bigint) as reserve_cadres_veteran,
        cast(reserve_cadres_graduate as bigint) as reserve_cadres_graduate,
        cast(reserve_cadres_entrepreneur as bigint) as reserve_cadres_entrepreneur,
        cast(warnings_reported as bigint) as warnings_reported,
        cast(warnings_village_election as bigint) as warnings_village_election,
        cast(warnings_epidemic as bigint) as warnings_epidemic,
        cast(warnings_resolved as bigint) as warnings_resolved,
        cast(warnings_open as bigint) as warnings_open,
        cast(forms_submitted as bigint) as forms_submitted,
        cast(forms_on_time as bigint) as forms_on_time
    from with_year_ago

)

select * from final
