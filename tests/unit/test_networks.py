from services.networks import client_address

PROXIES = ["10.0.0.0/8"]


def test_a_peer_that_is_no_trusted_proxy_is_the_client_whatever_it_forwards() -> None:
    assert client_address("203.0.113.9", "185.71.76.5", PROXIES) == "203.0.113.9"
    assert client_address("10.0.0.5", "185.71.76.5", []) == "10.0.0.5"


def test_behind_trusted_proxies_the_nearest_untrusted_hop_is_the_client() -> None:
    assert client_address("10.0.0.5", "185.71.76.5", PROXIES) == "185.71.76.5"
    # A forged first entry is passed over: the proxy appended the real peer last.
    assert client_address("10.0.0.5", "185.71.76.5, 203.0.113.9", PROXIES) == "203.0.113.9"
    # Two proxies in a row.
    assert client_address("10.0.0.5", "185.71.76.5, 10.1.1.1", PROXIES) == "185.71.76.5"


def test_a_trusted_proxy_without_the_header_stays_the_peer() -> None:
    assert client_address("10.0.0.5", None, PROXIES) == "10.0.0.5"
    assert client_address("10.0.0.5", " , ", PROXIES) == "10.0.0.5"
    assert client_address(None, "185.71.76.5", PROXIES) is None
