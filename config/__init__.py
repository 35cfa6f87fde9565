"""The project shell: settings, URLs, the WSGI entry point, the start page and the error pages.

The security kernel (crypto, access, querysets, errors, vocabulary) is ``lotsa/``; the shell sits on
top of every app and may import any of them, while nothing imports the shell.
"""
