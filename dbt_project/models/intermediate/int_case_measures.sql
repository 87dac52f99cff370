-- Counts of the case forms (disputes, early warnings): one row per county and period with an
-- accepted file of either form. A case keeps one current row as of P: the row from the latest
-- period up to and including P in which its id appears (per county). A county counts for P only
-- with an accepted file for P of that form; otherwise that form's columns stay null.
--
-- Each case row is its case's state for a span of periods, [valid_from, valid_to): from its own
-- period until the case appears again (open-ended if it does not). Instead of pairing every
-- period with every earlier case row (cost growing with the square of the months kept), each
-- state adds to the periods it matters for: +1 to "received" in the month it was received, +1
-- to "closed" in the month it was closed, and for the counts that span periods (received this
-- year, open warnings) +1 where the span starts and -1 where it ends, summed up over the
-- periods in order. Every event is clipped to the state's own span, so a later row of the case
-- takes over exactly where the earlier one stops.
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
        submission_id
    from form_submissions
    where submission_id is not null and form in ('disputes', 'early_warnings')

),

dispute_states as (

    -- periods are 'YYYY-MM', so they compare in calendar order; a null end is open-ended
    select
        disputes.county_code,
        disputes.status,
        disputes.mediator,
        disputes.period as valid_from,
        lead(disputes.period) over (
            partition by disputes.county_code, disputes.case_id
            order by disputes.period
        ) as valid_to,
        strftime(disputes.received_on, '%Y-%m') as received_period,
        strftime(disputes.closed_on, '%Y-%m') as closed_period,
        -- a case received in year Y counts towards "received this year" until January of Y + 1
        cast(year(disputes.received_on) + 1 as varchar) || '-01' as ytd_until
    from disputes
    inner join current_files as files on disputes.submission_id = files.submission_id

),

dispute_ytd_spans as (

    select
        county_code,
        greatest(valid_from, received_period) as span_from,
        least(valid_to, ytd_until) as span_to
    from dispute_states

),

dispute_events as (

    select
        county_code,
        received_period as period,
        1 as received,
        cast(mediator = 'elders_studio' as integer) as received_elders_studio,
        0 as closed,
        0 as agreement,
        0 as mediated,
        0 as ytd_change
    from dispute_states
    where received_period >= valid_from and coalesce(received_period < valid_to, true)

    union all

    select
        county_code,
        closed_period as period,
        0 as received,
        0 as received_elders_studio,
        1 as closed,
        cast(status = 'agreement' as integer) as agreement,
        cast(status in ('agreement', 'no_agreement') as integer) as mediated,
        0 as ytd_change
    from dispute_states
    where closed_period >= valid_from and coalesce(closed_period < valid_to, true)

    union all

    select
        county_code,
        span_from as period,
        0 as received,
        0 as received_elders_studio,
        0 as closed,
        0 as agreement,
        0 as mediated,
        1 as ytd_change
    from dispute_ytd_spans
    where span_from < span_to

    union all

    select
        county_code,
        span_to as period,
        0 as received,
        0 as received_elders_studio,
        0 as closed,
        0 as agreement,
        0 as mediated,
        -1 as ytd_change
    from dispute_ytd_spans
    where span_from < span_to

    union all

    -- every period with a file gets a row, so a file without any events counts zeros
    select
        county_code,
        period,
        0 as received,
        0 as received_elders_studio,
        0 as closed,
        0 as agreement,
        0 as mediated,
        0 as ytd_change
    from current_files
    where form = 'disputes'

),

dispute_period_events as (

    select
        county_code,
        period,
        sum(received) as received,
        sum(received_elders_studio) as received_elders_studio,
        sum(closed) as closed,
        sum(agreement) as agreement,
        sum(mediated) as mediated,
        sum(ytd_change) as ytd_change
    from dispute_events
    group by county_code, period

),

dispute_running as (

    -- running over every period with an event, including those without a file
    select
        *,
        sum(ytd_change) over (
            partition by county_code
            order by period
            rows between unbounded preceding and current row
        ) as received_ytd
    from dispute_period_events

),

dispute_counts as (

    select
        files.period,
        files.county_code,
        running.received as disputes_received,
        running.received_ytd as disputes_received_ytd,
        running.closed as disputes_closed,
        running.agreement as disputes_agreement,
        running.mediated as disputes_mediated,
        running.received_elders_studio as disputes_elders_studio
    from current_files as files
    inner join dispute_running as running
        on
            files.county_code = running.county_code
            and files.period = running.period
    where files.form = 'disputes'

),

warning_states as (

    select
        early_warnings.county_code,
        early_warnings.category,
        early_warnings.period as valid_from,
        lead(early_warnings.period) over (
            partition by early_warnings.county_code, early_warnings.issue_id
            order by early_warnings.period
        ) as valid_to,
        strftime(early_warnings.reported_on, '%Y-%m') as reported_period,
        strftime(early_warnings.resolved_on, '%Y-%m') as resolved_period
    from early_warnings
    inner join current_files as files on early_warnings.submission_id = files.submission_id

),

warning_open_spans as (

    -- open from the month it was reported until the month it was resolved (if ever)
    select
        county_code,
        greatest(valid_from, reported_period) as span_from,
        least(valid_to, resolved_period) as span_to
    from warning_states

),

warning_events as (

    select
        county_code,
        reported_period as period,
        1 as reported,
        cast(category = 'village_election' as integer) as reported_village_election,
        cast(category = 'epidemic' as integer) as reported_epidemic,
        0 as resolved,
        0 as open_change
    from warning_states
    where reported_period >= valid_from and coalesce(reported_period < valid_to, true)

    union all

    select
        county_code,
        resolved_period as period,
        0 as reported,
        0 as reported_village_election,
        0 as reported_epidemic,
        1 as resolved,
        0 as open_change
    from warning_states
    where resolved_period >= valid_from and coalesce(resolved_period < valid_to, true)

    union all

    select
        county_code,
        span_from as period,
        0 as reported,
        0 as reported_village_election,
        0 as reported_epidemic,
        0 as resolved,
        1 as open_change
    from warning_open_spans
    where coalesce(span_from < span_to, true)

    union all

    select
        county_code,
        span_to as period,
        0 as reported,
        0 as reported_village_election,
        0 as reported_epidemic,
        0 as resolved,
        -1 as open_change
    from warning_open_spans
    where span_from < span_to

    union all

    select
        county_code,
        period,
        0 as reported,
        0 as reported_village_election,
        0 as reported_epidemic,
        0 as resolved,
        0 as open_change
    from current_files
    where form = 'early_warnings'

),

warning_period_events as (

    select
        county_code,
        period,
        sum(reported) as reported,
        sum(reported_village_election) as reported_village_election,
        sum(reported_epidemic) as reported_epidemic,
        sum(resolved) as resolved,
        sum(open_change) as open_change
    from warning_events
    group by county_code, period

),

warning_running as (

    select
        *,
        sum(open_change) over (
            partition by county_code
            order by period
            rows between unbounded preceding and current row
        ) as open_issues
    from warning_period_events

),

warning_counts as (

    select
        files.period,
        files.county_code,
        running.reported as warnings_reported,
        running.reported_village_election as warnings_village_election,
        running.reported_epidemic as warnings_epidemic,
        running.resolved as warnings_resolved,
        running.open_issues as warnings_open
    from current_files as files
    inner join warning_running as running
        on
            files.county_code = running.county_code
            and files.period = running.period
    where files.form = 'early_warnings'

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
        cast(dispute_counts.disputes_received as bigint) as disputes_received,
        cast(dispute_counts.disputes_received_ytd as bigint) as disputes_received_ytd,
        cast(dispute_counts.disputes_closed as bigint) as disputes_closed,
        cast(dispute_counts.disputes_agreement as bigint) as disputes_agreement,
        cast(dispute_counts.disputes_mediated as bigint) as disputes_mediated,
        cast(dispute_counts.disputes_elders_studio as bigint) as disputes_elders_studio,
        cast(warning_counts.warnings_reported as bigint) as warnings_reported,
        cast(warning_counts.warnings_village_election as bigint) as warnings_village_election,
        cast(warning_counts.warnings_epidemic as bigint) as warnings_epidemic,
        cast(warning_counts.warnings_resolved as bigint) as warnings_resolved,
        cast(warning_counts.warnings_open as bigint) as warnings_open
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
