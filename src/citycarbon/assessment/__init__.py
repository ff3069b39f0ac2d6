"""Targets and district assessment (区域碳考核), the pure domain core.

``targets`` defines indicators and plan targets, the straight-line pace and the traffic
light; ``decompose`` hands a city target down to its districts and checks that the
children reconcile with the parent; ``scoring`` turns indicator progress into a score from
a rubric kept as data and ranks districts (赛马). No I/O happens here.
"""
