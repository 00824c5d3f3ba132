# The English TechNet page (JJ204939) prints this line without the dash.
Set-CsExternalAccessPolicy -Identity FedPic EnableXmppAccess $true
