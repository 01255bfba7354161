import Baselines
import Testing
