"""SimCLR pretraining as SimCLR Studio runs it, in PyTorch: the job a project exports, trained on any number of GPUs."""
