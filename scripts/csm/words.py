"""How names read in a sentence: a tier, module or department stored as a key, written as people write it."""

# Short names people write in capitals when a CRM stores them in lower case.
ACRONYMS = frozenset(("it", "hr", "api", "sso", "crm", "erp", "qa", "ui", "ux", "bi", "r&d", "rnd", "pr", "gtm"))


def people_name(name):
    """Return a tier, module or department name as people write it, when stored as a lower-case key.

    A name with a capital letter is kept as written (someone chose it).

    >>> people_name("enterprise_plus"), people_name("it"), people_name("clinical_ops"), people_name("McKinsey Ops")
    ('Enterprise Plus', 'IT', 'Clinical Ops', 'McKinsey Ops')
    """
    if name != name.lower():
        return name
    if name.isalpha():  # one word, as most names are
        return name.upper() if name in ACRONYMS else name.capitalize()
    words = name.replace("_", " ").replace("-", " ").split()
    return " ".join(word.upper() if word in ACRONYMS else word.capitalize() for word in words)
