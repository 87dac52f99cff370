{#
    Fails for every combination of `columns` that occurs more than once: the grain of a model
    that has no single key column (period × county × form, ...).
#}
{% test unique_combination(model, columns) %}

select
    {{ columns | join(', ') }},
    count(*) as occurrences
from {{ model }}
group by {{ columns | join(', ') }}
having count(*) > 1

{% endtest %}
