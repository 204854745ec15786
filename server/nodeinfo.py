def node_metadata() -> dict:
    from .models import NodeSettings

    node = NodeSettings.current()
    return {
        "nodeName": node.name,
        "nodeDescription": node.description,
        "nodeRegion": node.region,
        "nodeRegionName": node.region_name,
        "registrationMode": node.registration_mode,
        "openRegistrations": node.registration_mode == NodeSettings.Registration.OPEN,
    }
