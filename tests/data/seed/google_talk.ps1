# The Google Talk example (TechNet JJ204807): TCP dialback only.
New-CsXmppAllowedPartner gmail.com -TlsNegotiation NotSupported -SaslNegotiation NotSupported -EnableKeepAlive $false -SupportDialbackNegotiation $true
Set-CsAccessEdgeConfiguration -AllowFederatedUsers $true
