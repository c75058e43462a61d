"""What the plot scripts share: matplotlib without a display, or a clear error when it is missing."""
import sys


def pyplot():
    """matplotlib.pyplot on the Agg backend; exits with status 1 and a hint when matplotlib is missing."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("error: python3-matplotlib is not installed (apt-get install python3-matplotlib)",
              file=sys.stderr)
        sys.exit(1)
    return plt
