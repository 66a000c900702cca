"""Reading and validating inputs at the boundary: params files and service records."""

from svimpact.io.params import BatchParams, ServiceParams, load_batch_params, load_service_params
from svimpact.io.readers import read_table
from svimpact.io.service import ServiceDataset, load_service_data

__all__ = ["BatchParams", "ServiceDataset", "ServiceParams", "load_batch_params", "load_service_data",
           "load_service_params", "read_table"]
