using Helix.Webhooks;

await WebhookReceiverApp.Build(args).RunAsync();
