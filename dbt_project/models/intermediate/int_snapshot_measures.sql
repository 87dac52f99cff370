-- Counts of the forms that are read only from the county's accepted file for the period (the four
-- snapshot forms and outreach events): one row per county and period with at least one such file.
-- A form without an accepted file leaves its columns null (missing is not zero, and nothing is
-- carried forward from an earlier month); an accepted file without rows gives zeros.
with

form_submissions as (

    select * from {{ ref('int_form_submissions') }}

),

instructors as (

    select * from {{ ref('stg_instructors') }}

),

weak_orgs as (

    select * from {{ ref('stg_weak_orgs') }}

),

outreach as (

    select * from {{ ref('stg_outreach') }}

),

project_orgs as (

    select * from {{ ref('stg_project_orgs') }}

),

reserve_cadres as (

    select * from {{ ref('stg_reserve_cadres') }}

),

ref_towns as (

    select * from {{ ref('ref_towns') }}

),

current_files as (

    select
        period,
        county_code,
        form,
        submission_id,
        period_start,
        period_end
    from form_submissions
    where
        submission_id is not null
        and form in ('instructors', 'weak_orgs', 'outreach', 'project_orgs', 'reserve_cadres')

),

towns_per_county as (

    select
        county_code,
        count(*) as towns_in_reference
    from ref_towns
    group by county_code

),

instructor_counts as (

    select
        files.period,
        files.county_code,
        count(instructor.instructor_id) filter (
            where instructor.employment = 'full_time'
        ) as instructors_full_time,
        count(instructor.instructor_id) filter (
            where instructor.employment = 'part_time'
        ) as instructors_part_time,
        count(instructor.instructor_id) filter (
            where instructor.source = 'retired_cadre'
        ) as instructors_retired_cadre,
        count(distinct instructor.town_code) as towns_with_instructor,
        coalesce(any_value(towns.towns_in_reference), 0) as towns_in_reference,
        coalesce(sum(instructor.orgs_covered), 0) as orgs_covered
    from current_files as files
    left join instructors as instructor on files.submission_id = instructor.submission_id
    left join towns_per_county as towns on files.county_code = towns.county_code
    where files.form = 'instructors'
    group by files.period, files.county_code

),

weak_org_counts as (

    select
        files.period,
        files.county_code,
        count(org.org_code) as weak_orgs_listed,
        count(org.org_code) filter (where org.status = 'rectified') as weak_orgs_rectified,
        count(org.org_code) filter (
            where org.rectified_on between files.period_start and files.period_end
        ) as weak_orgs_rectified_in_period,
        count(org.org_code) filter (where org.mentor_id is not null) as weak_orgs_paired
    from current_files as files
    left join weak_orgs as org on files.submission_id = org.submission_id
    where files.form = 'weak_orgs'
    group by files.period, files.county_code

),

outreach_counts as (

    select
        files.period,
        files.county_code,
        count(activity.event_id) as outreach_events,
        coalesce(sum(activity.audience), 0) as outreach_audience,
        count(activity.event_id) filter (where activity.dialect) as outreach_dialect_events
    from current_files as files
    left join outreach as activity
        on
            files.submission_id = activity.submission_id
            and activity.held_on between files.period_start and files.period_end
    where files.form = 'outreach'
    group by files.period, files.county_code

),

project_counts as (

    select
        files.period,
        files.county_code,
        count(project.project_code) as projects_total,
        count(project.project_code) filter (
            where project.project_status = 'under_construction'
        ) as projects_under_construction,
        count(project.project_code) filter (
            where project.temp_org_on <= files.period_end
        ) as temp_party_orgs,
        coalesce(sum(project.party_members), 0) as project_party_members,
        coalesce(sum(project.commando_teams), 0) as commando_teams,
        coalesce(sum(project.responsibility_zones), 0) as responsibility_zones,
        coalesce(sum(project.investment_to_date), 0) as investment_to_date
    from current_files as files
    left join project_orgs as project on files.submission_id = project.submission_id
    where files.form = 'project_orgs'
    group by files.period, files.county_code

),

reserve_cadre_counts as (

    select
        files.period,
        files.county_code,
        count(cadre.cadre_id) as reserve_cadres,
        count(cadre.cadre_id) filter (where cadre.source = 'veteran') as reserve_cadres_veteran,
        count(cadre.cadre_id) filter (where cadre.source = 'graduate') as reserve_cadres_graduate,
        count(cadre.cadre_id) filter (
            where cadre.source = 'entrepreneur'
        ) as reserve_cadres_entrepreneur
    from current_files as files
    left join reserve_cadres as cadre on files.submission_id = cadre.submission_id
    where files.form = 'reserve_cadres'
    group by files.period, files.county_code

),

county_periods as (

    select distinct
        period,
        county_code
    from current_files

),

final as (

    select
        county_periods.period,
        county_periods.county_code,
        instructor_counts.instructors_full_time,
        instructor_counts.instructors_part_time,
        instructor_counts.instructors_retired_cadre,
        instructor_counts.towns_with_instructor,
        instructor_counts.towns_in_reference,
        instructor_counts.orgs_covered,
        weak_org_counts.weak_orgs_listed,
        weak_org_counts.weak_orgs_rectified,
        weak_org_counts.weak_orgs_rectified_in_period,
        weak_org_counts.weak_orgs_paired,
        outreach_counts.outreach_events,
        outreach_counts.outreach_audience,
        outreach_counts.outreach_dialect_events,
        project_counts.projects_total,
        project_counts.projects_under_construction,
        project_counts.temp_party_orgs,
        project_counts.project_party_members,
        project_counts.commando_teams,
        project_counts.responsibility_zones,
        project_counts.investment_to_date,
        reserve_cadre_counts.reserve_cadres,
        reserve_cadre_counts.reserve_cadres_veteran,
        reserve_cadre_counts.reserve_cadres_graduate,
        reserve_cadre_counts.reserve_cadres_entrepreneur
    from county_periods
    left join instructor_counts
        on
            county_periods.period = instructor_counts.period
            and county_periods.county_code = instructor_counts.county_code
    left join weak_org_counts
        on
            county_periods.period = weak_org_counts.period
            and county_periods.county_code = weak_org_counts.county_code
    left join outreach_counts
        on
            county_periods.period = outreach_counts.period
            and county_periods.county_code = outreach_counts.county_code
    left join project_counts
        on
            county_periods.period = project_counts.period
            and county_periods.county_code = project_counts.county_code
    left join reserve_cadre_counts
        on
            county_periods.period = reserve_cadre_counts.period
            and county_periods.county_code = reserve_cadre_counts.county_code

)

select * from final
