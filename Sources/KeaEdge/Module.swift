// Module KeaEdge: see Docs and the sources added beside this file.
