"""Past one machine (opt-in, `pip install 'wakeful[fleet]'`): scheduled jobs as Temporal
workflows run by `wakeful worker` processes, and local development servers (a Temporal dev
server and PostgreSQL) for trying the whole fleet on one machine with `wakeful fleet dev`.
"""
