New-CsExternalAccessPolicy -Identity <name of policy to create.  If site scope, prepend with 'site:'> -EnableFederationAcces $true -EnablePublicCloudAccess $true
New-CsExternalAccessPolicy -Identity FedPic -EnableFederationAcces $true -EnablePublicCloudAccess $true
Get-CsUser | Grant-CsExternalAccessPolicy -PolicyName FedPic
Set-CsExternalAccessPolicy -Identity <name of the policy being used> EnableXmppAccess $true
Set-CsExternalAccessPolicy -Identity FedPic -EnableXmppAccess $true
