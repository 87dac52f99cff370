-- Counts of the case forms (disputes, early warnings): one row per county and period with an
-- accepted file of either form. A case keeps one current row as of P: the row from the latest
-- period up to and including P in which its id appears (per county). A county counts for P only
-- with an accepted file for P of that form; otherwise that form's columns stay null.
with

form_submissions as (

    select * from {{ ref('int_form_submissions') }}

),

disputes as (

    select * from {{ ref('stg_disputes') }}

),

early_warnings as (

    select * from {{ ref('stg_early_warnings') }}

),

current_files as (

    select
        period,
        county_code,
        form,
        submission_id,
        period_start,
        period_end,
        cast(date_trunc('year', period_start) as date) as year_start
    from form_submissions
    where submission_id is not null and form in ('disputes', 'early_warnings')

),

dispute_versions as (

    -- each row of a current file is its case's state until the case appears again
    select
        disputes.*,
        lead(disputes.period) over (
            partition by disputes.county_code, disputes.case_id
            order by disputes.period
        ) as next_seen_period
    from disputes
    inner join current_files as files on disputes.submission_id = files.submission_id

),

warning_versions as (

    select
        early_warnings.*,
        lead(early_warnings.period) over (
            partition by early_warnings.county_code, early_warnings.issue_id
            order by early_warnings.period
        ) as next_seen_period
    from early_warnings
    inner join current_files as files on early_warnings.submission_id = files.submission_id

),

disputes_as_of_period as (

    select
        files.period,
        files.county_code,
        cases.case_id,
        cases.status,
        cases.mediator,
        cases.received_on between files.period_start and files.period_end as is_received,
        cases.received_on between files.year_start and files.period_end as is_received_this_year,
        cases.closed_on between files.period_start and files.period_end as is_closed
    from current_files as files
    left join dispute_versions as cases
        on
            files.county_code = cases.county_code
            and files.period >= cases.period
            and (cases.next_seen_period is null or files.period < cases.next_seen_period)
    where files.form = 'disputes'

),

warnings_as_of_period as (

    select
        files.period,
        files.county_code,
        issues.issue_id,
        issues.category,
        issues.reported_on between files.period_start and files.period_end as is_reported,
        issues.resolved_on between files.period_start and files.period_end as is_resolved,
        issues.reported_on <= files.period_end
        and coalesce(issues.resolved_on > files.period_end, true) as is_open
    from current_files as files
    left join warning_versions as issues
        on
            files.county_code = issues.county_code
            and files.period >= issues.period
            and (issues.next_seen_period is null or files.period < issues.next_seen_period)
    where files.form = 'early_warnings'

),

dispute_counts as (

    select
        period,
        county_code,
        count(case_id) filter (where is_received) as disputes_received,
        count(case_id) filter (where is_received_this_year) as disputes_received_ytd,
        count(case_id) filter (where is_closed) as disputes_closed,
        count(case_id) filter (where is_closed and status = 'agreement') as disputes_agreement,
        count(case_id) filter (
            where is_closed and status in ('agreement', 'no_agreement')
        ) as disputes_mediated,
        count(case_id) filter (
            where is_received and mediator = 'elders_studio'
        ) as disputes_elders_studio
    from disputes_as_of_period
    group by period, county_code

),

warning_counts as (

    select
        period,
        county_code,
        count(issue_id) filter (where is_reported) as warnings_reported,
        count(issue_id) filter (
            where is_reported and category = 'village_election'
        ) as warnings_village_election,
        count(issue_id) filter (where is_reported and category = 'epidemic') as warnings_epidemic,
        count(issue_id) filter (where is_resolved) as warnings_resolved,
        count(issue_id) filter (where is_open) as warnings_open
    from warnings_as_of_period
    group by period, county_code

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
        dispute_counts.disputes_received,
        dispute_counts.disputes_received_ytd,
        dispute_counts.disputes_closed,
        dispute_counts.disputes_agreement,
        dispute_counts.disputes_mediated,
        dispute_counts.disputes_elders_studio,
        warning_counts.warnings_reported,
        warning_counts.warnings_village_election,
        warning_counts.warnings_epidemic,
        warning_counts.warnings_resolved,
        warning_counts.warnings_open
    from county_periods
    left join dispute_counts
        on
            county_periods.period = dispute_counts.period
            and county_periods.county_code = dispute_counts.county_code
    left join warning_counts
        on
            county_periods.period = warning_counts.period
            and county_periods.county_code = warning_counts.county_code

)

select * from final
