"""Hand-overs (referrals) of a person from one unit to another: the VBE team to a district, a district
to the treatment unit, an intervention group to the defector programme, the programme to a district at
closure, a request from the police to the programme. A sub-domain of the cases app: its models keep
the app label ``cases`` (tables and migrations as they were), and cases/models.py imports them."""
