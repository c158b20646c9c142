"""jixiao — 预算绩效自评表工具包 (budget performance self-evaluation toolkit)."""

__version__ = "0.1.0"
