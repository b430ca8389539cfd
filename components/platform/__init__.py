"""The platform's fixed architecture and the machinery every layer shares.

* `catalog`: services, zones, ports and the flows between them;
* `topology`: every number that differs between dev, staging and prod;
* `versions`: pinned images and charts;
* `settings/`: the stack's config keys, one module per settings group;
* `checks/`: start-up checks (capacity, placement) that run before anything is declared;
* `contracts`: the types that cross layers (references to Secrets, endpoints), passed in `__main__.py`;
* `kube/`: the Kubernetes building blocks every pod, Service, Job, Secret and Helm value is made from.
"""
