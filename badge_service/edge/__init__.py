"""The request edge shared by every domain: authentication, problem+json, security headers, one
transaction per request, rate limits, the OpenAPI registry."""
