using Helix.Orchestrator;

return await OrchestratorApp.RunAsync(args);
