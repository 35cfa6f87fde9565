"""The VBE team's first contacts with people the police or the Security Service flagged (seed 001),
the meetings with the police, and the reports of concern for a person's minor child that the team
records for the responsible district. A sub-domain of the cases app: its models keep the app label
``cases`` (tables and migrations as they were), and cases/models.py imports them."""
