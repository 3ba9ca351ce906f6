"""Plain-text helpers shared by triage and FAQ search: normalising what patients type, telling real words from typos."""
