/**
 * A self-signed certificate for 127.0.0.1/localhost (100 years), so the emulator can serve HTTPS: client-go
 * (kubectl) only sends kubeconfig credentials over TLS. Test-only key material for loopback; it protects nothing.
 */
export const EMULATOR_CERT = `-----BEGIN CERTIFICATE-----
MIIBrzCCAVWgAwIBAgIUOFF0+RcxLQyDocZURNt8pUGoBeowCgYIKoZIzj0EAwIw
HjEcMBoGA1UEAwwTa3ViZXJuZXRlcy1lbXVsYXRvcjAgFw0yNjExMjIwMzM1NTla
GA8yMTI2MTAyOTAzMzU1OVowHjEcMBoGA1UEAwwTa3ViZXJuZXRlcy1lbXVsYXRv
cjBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABAs7k10/9m0iqcNuOVfXjrZBfwtK
sUrqDZma9lJpmOX18GX6Qx1+AhywhsjiQ5lGyhSgSzdj+ANANlmcTuLPrSSjbzBt
MB0GA1UdDgQWBBQ3Ar/PeP/7UezoPt2g7MX3YoQ+ijAfBgNVHSMEGDAWgBQ3Ar/P
eP/7UezoPt2g7MX3YoQ+ijAPBgNVHRMBAf8EBTADAQH/MBoGA1UdEQQTMBGHBH8A
AAGCCWxvY2FsaG9zdDAKBggqhkjOPQQDAgNIADBFAiEA5ufFluAz9i2F2cXvUqYG
5mwKtK+YhKOhWOlmNQeWfpwCIGa0K0fEAEScHAH9zU+AWoJjpHTA/lBQjI4dxgyb
7jWZ
-----END CERTIFICATE-----
`;

export const EMULATOR_KEY = `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgh5rY7aZ1c8jkPWuT
T+q5zeUkgJEmbFWnaVGm0/yfbVmhRANCAAQLO5NdP/ZtIqnDbjlX1462QX8LSrFK
6g2ZmvZSaZjl9fBl+kMdfgIcsIbI4kOZRsoUoEs3Y/gDQDZZnE7iz60k
-----END PRIVATE KEY-----
`;
