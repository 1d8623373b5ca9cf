"""customer-success-manager: health, churn risk and expansion scoring for a SaaS book.

The package holds everything the command-line tools share: loading a portfolio
(`loading`), checking values (`values`, `accounts`), the methodology as data
(`methodology`), the analyses as pure functions (`health`, ...), rendering
(`render`) and the command layer (`cli`).
"""

__version__ = "1.0.0"
