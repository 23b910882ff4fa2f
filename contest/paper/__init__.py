"""The paper flow: printing forms, reading photographed sheets (OMR), scanning batches."""
