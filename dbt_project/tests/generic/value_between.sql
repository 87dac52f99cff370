{#
    Fails for every non-null value below min_value or above max_value (either bound optional):
    rates are fractions in [0, 1], counts are never negative.
#}
{% test value_between(model, column_name, min_value=none, max_value=none) %}

select {{ column_name }}
from {{ model }}
where
    false
    {%- if min_value is not none %} or {{ column_name }} < {{ min_value }}{% endif %}
    {%- if max_value is not none %} or {{ column_name }} > {{ max_value }}{% endif %}

{% endtest %}
