"""Abnormal operations list and serious illegal dishonest list (issue 4).

The pure core is ``entcredit.lists.rules`` (the machines of ``abnormal`` and ``serious``);
``service`` and ``store`` keep the entries in the database, ``loaded`` passes departments'
decisions through the machines, ``daily`` is the daily job, ``api`` and ``cli`` the staff's
and the operator's ways in.
"""
