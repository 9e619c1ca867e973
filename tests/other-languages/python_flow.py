"""The 10011 flow against the jumio-kyx sandbox, with nothing but the client that
openapi-python-client generated from openapi/jumio-kyx.yaml (package `jumio_kyx_client`, never
committed).

Usage: python_flow.py BASE_URL [CLIENT_ID CLIENT_SECRET]

Runs each check, prints `ok` or `FAIL` with the reason, and closes with
`python flow: N passed, M failed`; the exit status is non-zero when a check failed.
"""

from __future__ import annotations

import base64
import sys
import time
import traceback
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from jumio_kyx_client import AuthenticatedClient, Client
from jumio_kyx_client.api.accounts import create_account
from jumio_kyx_client.api.authentication import request_access_token
from jumio_kyx_client.api.credentials import finalize_workflow_execution, upload_credential_part
from jumio_kyx_client.api.retrieval import (
    get_credential_part,
    get_workflow_execution,
    get_workflow_execution_status,
    get_workflow_execution_steps,
)
from jumio_kyx_client.api.status import get_health
from jumio_kyx_client.models import (
    AccountRequest,
    AccountResponse,
    CountryCode,
    CountryFilter,
    CredentialFilter,
    CredentialFilterCategory,
    CredentialPartUpload,
    DocumentTypeFilter,
    ErrorBody,
    FinalizeResponse,
    HealthResponse,
    TokenRequest,
    TokenRequestGrantType,
    TokenResponse,
    UploadClassifier,
    UploadResponse,
    WorkflowDefinition,
    WorkflowExecutionDetails,
    WorkflowStatusResponse,
    WorkflowSteps,
)
from jumio_kyx_client.types import File, Response

USER_AGENT = "jumio-kyx-ci python-flow/1.0"
SAMPLES = Path(__file__).resolve().parents[2] / "samples"
POLL_TIMEOUT_SECONDS = 30.0


def expect(condition: bool, what: str) -> None:
    if not condition:
        raise AssertionError(what)


def parsed(response: Response[Any], kind: type, what: str) -> Any:
    """The parsed body of a 200 response of the expected generated type."""
    expect(
        response.status_code == 200,
        f"{what}: HTTP {int(response.status_code)}, body {response.content[:300]!r}",
    )
    expect(
        isinstance(response.parsed, kind),
        f"{what}: parsed as {type(response.parsed).__name__}, expected {kind.__name__}",
    )
    return response.parsed


def bearer(base_url: str, token: str) -> AuthenticatedClient:
    return AuthenticatedClient(base_url=base_url, token=token, raise_on_unexpected_status=True)


def access_token(base_url: str, client_id: str, client_secret: str) -> str:
    # The token endpoint takes HTTP Basic client credentials (security scheme `clientBasicAuth`).
    basic = base64.b64encode(f"{client_id}:{client_secret}".encode()).decode()
    auth = AuthenticatedClient(
        base_url=base_url, token=basic, prefix="Basic", raise_on_unexpected_status=True
    )
    response = request_access_token.sync_detailed(
        client=auth,
        body=TokenRequest(grant_type=TokenRequestGrantType.CLIENT_CREDENTIALS),
        user_agent=USER_AGENT,
    )
    token: TokenResponse = parsed(response, TokenResponse, "token")
    expect(token.token_type.lower() == "bearer", f"token_type {token.token_type!r}")
    expect(token.expires_in > 0, f"expires_in {token.expires_in}")
    expect(token.access_token.count(".") == 2, "the access token is not a JWT")
    return token.access_token


def check_health(base_url: str, client_id: str, client_secret: str) -> None:
    client = Client(base_url=base_url, raise_on_unexpected_status=True)
    health: HealthResponse = parsed(
        get_health.sync_detailed(client=client, user_agent=USER_AGENT), HealthResponse, "health"
    )
    expect(health.status == "UP", f"health status {health.status!r}")


def check_wrong_credentials(base_url: str, client_id: str, client_secret: str) -> None:
    basic = base64.b64encode(f"{client_id}:not-the-secret".encode()).decode()
    auth = AuthenticatedClient(base_url=base_url, token=basic, prefix="Basic")
    response = request_access_token.sync_detailed(
        client=auth,
        body=TokenRequest(grant_type=TokenRequestGrantType.CLIENT_CREDENTIALS),
        user_agent=USER_AGENT,
    )
    expect(response.status_code == 401, f"wrong secret: HTTP {int(response.status_code)}")


def check_invalid_request(base_url: str, client_id: str, client_secret: str) -> None:
    # A value the spec forbids (`/` in customerInternalReference) is a 400 with an ErrorBody.
    client = bearer(base_url, access_token(base_url, client_id, client_secret))
    response = create_account.sync_detailed(
        client=client,
        body=AccountRequest(
            customer_internal_reference="order/1",
            workflow_definition=WorkflowDefinition(key=10011),
        ),
        user_agent=USER_AGENT,
    )
    expect(response.status_code == 400, f"invalid reference: HTTP {int(response.status_code)}")
    expect(
        isinstance(response.parsed, ErrorBody), f"400 parsed as {type(response.parsed).__name__}"
    )
    expect(
        response.parsed.field == "customerInternalReference",
        f"400 names field {response.parsed.field!r}",
    )


def check_flow_10011(base_url: str, client_id: str, client_secret: str) -> None:
    retrieval = bearer(base_url, access_token(base_url, client_id, client_secret))
    reference = f"python-flow-{uuid.uuid4().hex[:12]}"

    # Create the account with a 10011 workflow execution: an ID (US driving licence) and a selfie.
    request = AccountRequest(
        customer_internal_reference=reference,
        user_reference="python-flow-user",
        workflow_definition=WorkflowDefinition(
            key=10011,
            credentials=[
                CredentialFilter(
                    category=CredentialFilterCategory.ID,
                    type_=DocumentTypeFilter(values=["DRIVING_LICENSE"]),
                    country=CountryFilter(values=[CountryCode.USA]),
                )
            ],
        ),
    )
    created: AccountResponse = parsed(
        create_account.sync_detailed(client=retrieval, body=request, user_agent=USER_AGENT),
        AccountResponse,
        "create account",
    )
    account_id = created.account.id
    execution_id = created.workflow_execution.id
    credentials = created.workflow_execution.credentials
    expect(bool(credentials), "the account response lists no credentials")
    by_category = {str(c.category): c for c in credentials}
    expect({"ID", "SELFIE"} <= set(by_category), f"credential categories {sorted(by_category)}")

    uploads = [
        ("ID", UploadClassifier.FRONT, "id-front.jpg"),
        ("ID", UploadClassifier.BACK, "id-back.jpg"),
        ("SELFIE", UploadClassifier.FACE, "selfie.jpg"),
    ]
    transaction_token = None
    for category, classifier, sample in uploads:
        credential = by_category[category]
        api = credential.api
        expect(bool(api and api.token), f"{category} credential has no api.token")
        # The upload link of the account response is the path the generated operation builds.
        link = api.parts[classifier.value.lower()]
        expected_path = (
            f"/api/v1/accounts/{account_id}/workflow-executions/{execution_id}"
            f"/credentials/{credential.id}/parts/{classifier.value}"
        )
        expect(
            link.endswith(expected_path), f"upload link {link} does not end with {expected_path}"
        )
        transaction_token = api.token
        with open(SAMPLES / sample, "rb") as image:
            response = upload_credential_part.sync_detailed(
                account_id,
                execution_id,
                credential.id,
                classifier,
                client=bearer(base_url, api.token),
                body=CredentialPartUpload(
                    file=File(payload=image, file_name=sample, mime_type="image/jpeg")
                ),
                user_agent=USER_AGENT,
            )
        uploaded: UploadResponse = parsed(response, UploadResponse, f"upload {classifier.value}")
        expect(uploaded.account.id == account_id, f"upload {classifier.value}: account id")
        expect(
            uploaded.workflow_execution.id == execution_id,
            f"upload {classifier.value}: workflow execution id",
        )

    finalized: FinalizeResponse = parsed(
        finalize_workflow_execution.sync_detailed(
            account_id,
            execution_id,
            client=bearer(base_url, transaction_token),
            user_agent=USER_AGENT,
        ),
        FinalizeResponse,
        "finalize",
    )
    expect(finalized.workflow_execution.id == execution_id, "finalize: workflow execution id")

    deadline = time.monotonic() + POLL_TIMEOUT_SECONDS
    seen = []
    while True:
        status: WorkflowStatusResponse = parsed(
            get_workflow_execution_status.sync_detailed(
                account_id, execution_id, client=retrieval, user_agent=USER_AGENT
            ),
            WorkflowStatusResponse,
            "status",
        )
        state = status.workflow_execution.status
        if not seen or seen[-1] != state:
            seen.append(state)
        if state == "PROCESSED":
            break
        expect(state in ("INITIATED", "ACQUIRED"), f"status became {state}")
        expect(time.monotonic() < deadline, f"not PROCESSED after {POLL_TIMEOUT_SECONDS}s: {seen}")
        time.sleep(0.1)
    expect(status.workflow_execution.definition_key == "10011", "status: definitionKey")

    details: WorkflowExecutionDetails = parsed(
        get_workflow_execution.sync_detailed(
            account_id, execution_id, client=retrieval, user_agent=USER_AGENT
        ),
        WorkflowExecutionDetails,
        "details",
    )
    expect(details.workflow.id == execution_id, "details: workflow id")
    expect(details.workflow.status == "PROCESSED", f"details: status {details.workflow.status}")
    expect(details.workflow.customer_internal_reference == reference, "details: reference")
    expect(details.account.id == account_id, "details: account id")
    expect(details.decision.type_ == "PASSED", f"decision {details.decision.type_}")
    expect(0 <= details.decision.risk.score <= 30, f"risk score {details.decision.risk.score}")

    capabilities = details.capabilities
    expected = ("usability", "image_checks", "extraction", "data_checks", "liveness", "similarity")
    for name in expected:
        results = getattr(capabilities, name)
        expect(bool(results), f"capability {name} is missing")
        for result in results:
            expect(result.decision.type_ == "PASSED", f"{name} decision {result.decision.type_}")
    extracted = capabilities.extraction[0].data
    expect(extracted.first_name == "JANE", f"extracted first name {extracted.first_name!r}")
    expect(extracted.last_name == "DOE", f"extracted last name {extracted.last_name!r}")
    expect(extracted.date_of_birth == "1990-01-01", f"extracted birth {extracted.date_of_birth!r}")
    expect(extracted.type_ == "DRIVING_LICENSE", f"extracted type {extracted.type_!r}")
    expect(extracted.issuing_country == "USA", f"issuing country {extracted.issuing_country!r}")
    expect(bool(extracted.document_number), "no extracted document number")
    expect(capabilities.similarity[0].data.similarity == "MATCH", "similarity data")

    # The stored images come back byte for byte (binary response).
    parts = {
        (str(c.category), str(p.classifier)): c.id for c in details.credentials for p in c.parts
    }
    for category, classifier, sample in uploads:
        key = (category, classifier.value)
        expect(key in parts, f"details list no {key} part: {sorted(parts)}")
        image = get_credential_part.sync_detailed(
            account_id, parts[key], classifier.value, client=retrieval, user_agent=USER_AGENT
        )
        downloaded = parsed(image, File, f"download {classifier.value}")
        expect(
            downloaded.payload.read() == (SAMPLES / sample).read_bytes(),
            f"download {classifier.value}: bytes differ from samples/{sample}",
        )

    steps: WorkflowSteps = parsed(
        get_workflow_execution_steps.sync_detailed(
            account_id, execution_id, client=retrieval, user_agent=USER_AGENT
        ),
        WorkflowSteps,
        "steps",
    )
    expect([s.name for s in steps.steps] == ["ID_IV"], f"steps {[s.name for s in steps.steps]}")


CHECKS: list[tuple[str, Callable[[str, str, str], None]]] = [
    ("health check", check_health),
    ("token with a wrong secret is 401", check_wrong_credentials),
    ("invalid account request is 400 with ErrorBody", check_invalid_request),
    ("10011 flow: token, create, 3 uploads, finalize, PROCESSED, details", check_flow_10011),
]


def main(argv: list[str]) -> int:
    if len(argv) not in (2, 4):
        print(__doc__, file=sys.stderr)
        return 2
    base_url = argv[1].rstrip("/")
    client_id, client_secret = "sandbox-client", "sandbox-secret"
    if len(argv) == 4:
        client_id, client_secret = argv[2], argv[3]
    passed = failed = 0
    for name, check in CHECKS:
        started = time.monotonic()
        try:
            check(base_url, client_id, client_secret)
        except Exception as error:  # noqa: BLE001 - every failure is reported, then counted
            failed += 1
            print(f"FAIL {name}: {error}")
            if not isinstance(error, AssertionError):
                traceback.print_exc()
        else:
            passed += 1
            print(f"ok   {name} ({time.monotonic() - started:.2f}s)")
    print(f"python flow: {passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
