"""One path to a customer's class: the customer page's read (one customer, its group's scope) and a filtered
portfolio give exactly the rows of the whole portfolio's read."""

from __future__ import annotations

from datetime import date

from apptest import DEMO_AS_OF_DEFAULT

from data_access.engine import make_engine
from data_access.risk import customer_risk, portfolio_risk
from domain.filters import CustomerFilter

AS_OF = date.fromisoformat(DEMO_AS_OF_DEFAULT)


def test_one_customer_and_a_filtered_portfolio_match_the_whole_portfolio(demo_url):
    with make_engine(demo_url).connect() as conn:
        whole = {r.customer_id: r for r in portfolio_risk(conn, AS_OF).rows}
        assert len(whole) == 80
        for cid, row in whole.items():
            assert customer_risk(conn, cid, AS_OF) == row, cid
        se = portfolio_risk(conn, AS_OF, CustomerFilter(countries=("SE",))).rows
        assert se and all(r == whole[r.customer_id] for r in se)
        assert customer_risk(conn, 10**9, AS_OF) is None
