def organisation_usage() -> dict:
    from .models import Organisation

    return {"localOrganisations": Organisation.objects.count()}
