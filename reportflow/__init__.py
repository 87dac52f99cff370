"""reportflow: county submissions → warehouse → indicators → bulletins for 湛江市."""
