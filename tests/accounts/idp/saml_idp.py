"""A real SAML 2.0 identity provider in the test process (pysaml2).

Its key pair and certificate are generated for the test session (nothing private is committed).
It reads our SP metadata from allauth's metadata endpoint, parses our AuthnRequests (and checks
their signature), and issues responses signed the way a company IdP would — or, for the negative
tests, the ways an attacker or a broken IdP would (SHA-1, unsigned, altered, for another SP...).
"""

from __future__ import annotations

import base64
import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID
from lxml import etree
from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT
from saml2.config import IdPConfig
from saml2.metadata import create_metadata_string
from saml2.saml import NAMEID_FORMAT_PERSISTENT, NameID
from saml2.server import Server
from saml2.xmldsig import DIGEST_SHA1, DIGEST_SHA256, SIG_RSA_SHA1, SIG_RSA_SHA256

IDP_ENTITY_ID = "https://idp.acme.example/saml/metadata"
IDP_SSO_URL = "https://idp.acme.example/saml/sso/redirect"
EMAIL = "urn:oid:0.9.2342.19200300.100.1.3"
GIVEN_NAME = "urn:oid:2.5.4.42"
SURNAME = "urn:oid:2.5.4.4"
URI_FORMAT = "urn:oasis:names:tc:SAML:2.0:attrname-format:uri"

SHA256 = {"sign_alg": SIG_RSA_SHA256, "digest_alg": DIGEST_SHA256}
SHA1 = {"sign_alg": SIG_RSA_SHA1, "digest_alg": DIGEST_SHA1}


def keypair_write(directory: Path, name: str) -> tuple[Path, Path]:
    """A throwaway RSA key and self-signed certificate, written as PEM files."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .sign(key, hashes.SHA256())
    )
    key_path = directory / f"{name}.key"
    cert_path = directory / f"{name}.crt"
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.TraditionalOpenSSL,
            serialization.NoEncryption(),
        )
    )
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    return key_path, cert_path


@dataclass(frozen=True)
class AuthnRequestSeen:
    id: str
    issuer: str
    acs_url: str
    relay_state: str
    signed: bool


class SamlIdp:
    def __init__(self, directory: Path, *, entity_id: str = IDP_ENTITY_ID) -> None:
        self.directory = directory
        self.entity_id = entity_id
        self.key_path, self.cert_path = keypair_write(directory, "idp")
        self.sp_metadata: list[str] = []

    def _config(self, *, lifetime_minutes: int = 5) -> IdPConfig:
        config = IdPConfig()
        config.load(
            {
                "entityid": self.entity_id,
                "key_file": str(self.key_path),
                "cert_file": str(self.cert_path),
                "xmlsec_binary": "/usr/bin/xmlsec1",
                "service": {
                    "idp": {
                        "endpoints": {
                            "single_sign_on_service": [(IDP_SSO_URL, BINDING_HTTP_REDIRECT)]
                        },
                        "name_id_format": [NAMEID_FORMAT_PERSISTENT],
                        # Checked by `receive` over the raw query (pysaml2 re-encodes it).
                        "want_authn_requests_signed": False,
                        "policy": {"default": {"lifetime": {"minutes": lifetime_minutes}}},
                    }
                },
                "metadata": {"inline": list(self.sp_metadata)},
            }
        )
        return config

    def metadata_xml(self) -> str:
        metadata = create_metadata_string(None, config=self._config(), valid=24)
        return metadata.decode("utf-8") if isinstance(metadata, bytes) else metadata

    def certificate_pem(self) -> str:
        return self.cert_path.read_text()

    def trust_sp(self, metadata_xml: str) -> None:
        """Load a service provider's metadata (what the company's IT does with ours)."""
        self.sp_metadata.append(metadata_xml)

    def server(self, *, lifetime_minutes: int = 5) -> Server:
        return Server(config=self._config(lifetime_minutes=lifetime_minutes))

    def receive(self, redirect_url: str) -> AuthnRequestSeen:
        """Parse the AuthnRequest the SP sent the browser to (HTTP-Redirect binding).

        When signed, the signature is checked over the query exactly as sent (SAML bindings
        §3.4.4.1) against the signing certificate of the SP metadata we trust.
        """
        raw_query = urlparse(redirect_url).query
        query = {key: values[0] for key, values in parse_qs(raw_query).items()}
        server = self.server()
        request = server.parse_authn_request(query["SAMLRequest"], BINDING_HTTP_REDIRECT)
        message = request.message
        signed = "Signature" in query
        if signed:
            self._check_redirect_signature(raw_query, query, issuer=message.issuer.text)
        return AuthnRequestSeen(
            id=message.id,
            issuer=message.issuer.text,
            acs_url=message.assertion_consumer_service_url,
            relay_state=query.get("RelayState", ""),
            signed=signed,
        )

    def _check_redirect_signature(
        self, raw_query: str, query: Mapping[str, str], *, issuer: str
    ) -> None:
        raw = dict(part.split("=", 1) for part in raw_query.split("&") if "=" in part)
        signed_part = "&".join(
            f"{name}={raw[name]}" for name in ("SAMLRequest", "RelayState", "SigAlg") if name in raw
        )
        if query["SigAlg"] != SIG_RSA_SHA256:
            raise AssertionError(f"AuthnRequest signed with {query['SigAlg']}")
        certificate = self._sp_signing_certificate(issuer)
        certificate.public_key().verify(  # raises InvalidSignature
            base64.b64decode(query["Signature"]),
            signed_part.encode("ascii"),
            padding.PKCS1v15(),
            hashes.SHA256(),
        )

    def _sp_signing_certificate(self, entity_id: str) -> x509.Certificate:
        for metadata in self.sp_metadata:
            root = etree.fromstring(metadata.encode("utf-8"))
            if root.get("entityID") != entity_id:
                continue
            for descriptor in root.iter("{urn:oasis:names:tc:SAML:2.0:metadata}KeyDescriptor"):
                if descriptor.get("use", "signing") != "signing":
                    continue
                body = descriptor.findtext(".//{http://www.w3.org/2000/09/xmldsig#}X509Certificate")
                der = base64.b64decode("".join((body or "").split()))
                return x509.load_der_x509_certificate(der)
        raise AssertionError(f"no signing certificate for SP {entity_id}")

    def respond(
        self,
        *,
        in_response_to: str | None,
        destination: str,
        sp_entity_id: str,
        subject: str,
        attributes: Mapping[str, Sequence[str]],
        sign_response: bool = True,
        sign_assertion: bool = True,
        algorithms: Mapping[str, str] = SHA256,
        lifetime_minutes: int = 5,
        **extra: Any,
    ) -> str:
        """A base64 SAMLResponse as the browser would POST it to the ACS.

        A negative `lifetime_minutes` issues an assertion that expired that long ago.
        """
        server = self.server(lifetime_minutes=lifetime_minutes)
        response = server.create_authn_response(
            identity={name: list(values) for name, values in attributes.items()},
            in_response_to=in_response_to,
            destination=destination,
            sp_entity_id=sp_entity_id,
            name_id=NameID(format=NAMEID_FORMAT_PERSISTENT, text=subject),
            authn={
                "class_ref": "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport"
            },
            sign_response=sign_response,
            sign_assertion=sign_assertion,
            **dict(algorithms),
            **extra,
        )
        xml = str(response)
        return base64.b64encode(xml.encode("utf-8")).decode("ascii")


def decode(saml_response: str) -> str:
    return base64.b64decode(saml_response).decode("utf-8")


def encode(xml: str) -> str:
    return base64.b64encode(xml.encode("utf-8")).decode("ascii")


__all__ = [
    "BINDING_HTTP_POST",
    "EMAIL",
    "GIVEN_NAME",
    "SHA1",
    "SHA256",
    "SURNAME",
    "SamlIdp",
    "decode",
    "encode",
]
