with

source as (

    select * from {{ source('raw', 'submissions') }}

),

final as (

    select
        submission_id,
        county_code,
        form,
        period,
        file_name,
        sha256,
        size_bytes,
        row_count,
        status,
        reasons,
        error_count,
        replaced_earlier,
        received_at,
        processed_at,
        superseded_by,
        archived_as,
        status = 'accepted' and superseded_by is null as is_current
    from source

)

select * from final
