"""The Plotly Dash dashboards (queue health, SLA, public sentiment, executive KPIs).

Not built yet: the dashboard issue adds the pages; ``switchboard serve`` will mount them.
"""
