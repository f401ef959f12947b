using Helix.Remediation;

return await RemediationApp.RunAsync(args);
