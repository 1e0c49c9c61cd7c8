"""Knowledge Carrier core: settings, database, managed PostGIS cluster, migrations, versioning."""
